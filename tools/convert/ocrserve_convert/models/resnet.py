"""ResNet backbone with mmdet's parameter names (`mmdet.ResNet` in MMOCR configs).

State-dict layout, as an MMOCR checkpoint stores it under `backbone.`:

* stem: `conv1` (7x7, stride 2) + `bn1`; or, with `deep_stem`, `stem.0/1` `stem.3/4` `stem.6/7`
  (three 3x3 convolutions and their norms, ReLUs at 2, 5, 8), then a 3x3/2 max pool;
* stages `layer1` … `layer4`, each a sequence of blocks `layerN.K` with `conv1`/`bn1`,
  `conv2`/`bn2` (and `conv3`/`bn3` in bottlenecks) and, on the first block of a stage that changes
  the resolution or the width, `downsample.0` (1x1 conv) + `downsample.1` (norm).

Norm layers are BatchNorm2d (a SyncBN in the config is a BatchNorm at inference, same names).
Convolutions have no bias. The forward returns the outputs of the stages in `out_indices`.
Deformable convolutions (the `dcn` option of mmdet) are not supported.
"""
from typing import Sequence, Tuple

import torch
from torch import nn


class BasicBlock(nn.Module):
    """Two 3x3 convolutions; the stride sits on the first. `style` does not apply here."""
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module = None,
                 style: str = 'pytorch'):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + shortcut)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 expand (x4). The stride is on the 3x3 convolution in the "pytorch"
    style and on the first 1x1 in the "caffe" style."""
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module = None,
                 style: str = 'pytorch'):
        super().__init__()
        if style not in ('pytorch', 'caffe'):
            raise ValueError(f'ResNet style must be "pytorch" or "caffe", got "{style}"')
        reduce_stride, middle_stride = (1, stride) if style == 'pytorch' else (stride, 1)
        width = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=reduce_stride, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=middle_stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, width, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + shortcut)


class ResNet(nn.Module):
    ARCHITECTURES = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(self, depth: int, in_channels: int = 3, stem_channels: int = 64, base_channels: int = 64,
                 style: str = 'pytorch', deep_stem: bool = False, out_indices: Sequence[int] = (0, 1, 2, 3),
                 strides: Sequence[int] = (1, 2, 2, 2)):
        super().__init__()
        if depth not in self.ARCHITECTURES:
            raise ValueError(f'ResNet depth {depth} is not one of {sorted(self.ARCHITECTURES)}')
        block, counts = self.ARCHITECTURES[depth]
        if not out_indices or max(out_indices) >= len(counts):
            raise ValueError(f'out_indices {tuple(out_indices)} must name stages 0..{len(counts) - 1}')
        self.deep_stem = deep_stem
        self.out_indices = tuple(out_indices)
        if deep_stem:
            half = stem_channels // 2
            self.stem = nn.Sequential(
                nn.Conv2d(in_channels, half, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(half),
                nn.ReLU(inplace=True),
                nn.Conv2d(half, half, 3, padding=1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
                nn.Conv2d(half, stem_channels, 3, padding=1, bias=False), nn.BatchNorm2d(stem_channels),
                nn.ReLU(inplace=True))
        else:
            self.conv1 = nn.Conv2d(in_channels, stem_channels, 7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(stem_channels)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        channels = stem_channels
        self.stage_names = []
        for index, (count, stride) in enumerate(zip(counts, strides)):
            planes = base_channels * 2 ** index
            stage = self._stage(block, channels, planes, count, stride, style)
            name = f'layer{index + 1}'
            self.add_module(name, stage)
            self.stage_names.append(name)
            channels = planes * block.expansion
        self.out_channels = [base_channels * 2 ** i * block.expansion for i in self.out_indices]

    @staticmethod
    def _stage(block, inplanes: int, planes: int, count: int, stride: int, style: str) -> nn.Sequential:
        width = planes * block.expansion
        downsample = None
        if stride != 1 or inplanes != width:
            downsample = nn.Sequential(nn.Conv2d(inplanes, width, 1, stride=stride, bias=False),
                                       nn.BatchNorm2d(width))
        blocks = [block(inplanes, planes, stride, downsample, style)]
        blocks += [block(width, planes, 1, None, style) for _ in range(1, count)]
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.bn1(self.conv1(x)))
        x = self.maxpool(x)
        outputs = []
        for index, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if index in self.out_indices:
                outputs.append(x)
        return tuple(outputs)
