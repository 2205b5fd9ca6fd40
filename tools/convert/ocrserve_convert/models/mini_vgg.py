"""CRNN's backbone, MMOCR 1.x `MiniVGG` (called `VeryDeepVgg` in 0.x and early 1.x configs; the
layout and parameter names are the same).

Seven 3x3 / 2x2 convolutions (64, 128, 256, 256, 512, 512, 512 channels) in one sequential child
`cnn`, whose children are named `conv{i}`, `batchnorm{i}` (after convolutions 2, 4 and 6 only),
`relu{i}` and `pooling{j}`, so checkpoint keys read `backbone.cnn.conv0.weight`,
`backbone.cnn.batchnorm2.running_mean`, ...

Shapes: [N, C, 32, W] -> [N, 512, 1, W/4 + 1] (two 2x2 poolings, two poolings of stride (2, 1)
with one column of padding on each side, and a final 2x2 convolution without padding).
"""
import torch
from torch import nn

_CHANNELS = (64, 128, 256, 256, 512, 512, 512)
_KERNELS = (3, 3, 3, 3, 3, 3, 2)
_PADDINGS = (1, 1, 1, 1, 1, 1, 0)
_WITH_BN = (False, False, True, False, True, False, True)
# The pooling that follows convolution i (None: no pooling).
_POOL_AFTER = {0: (2, 2, 0), 1: (2, 2, 0), 3: ((2, 2), (2, 1), (0, 1)), 5: ((2, 2), (2, 1), (0, 1))}


class MiniVGG(nn.Module):

    def __init__(self, leaky_relu: bool = True, input_channels: int = 3):
        super().__init__()
        self.cnn = nn.Sequential()
        pool_index = 0
        in_channels = input_channels
        for i, out_channels in enumerate(_CHANNELS):
            self.cnn.add_module(f'conv{i}', nn.Conv2d(in_channels, out_channels, _KERNELS[i], 1, _PADDINGS[i]))
            if _WITH_BN[i]:
                self.cnn.add_module(f'batchnorm{i}', nn.BatchNorm2d(out_channels))
            self.cnn.add_module(f'relu{i}', nn.LeakyReLU(0.2, inplace=True) if leaky_relu else nn.ReLU(inplace=True))
            if i in _POOL_AFTER:
                kernel, stride, padding = _POOL_AFTER[i]
                self.cnn.add_module(f'pooling{pool_index}', nn.MaxPool2d(kernel, stride, padding))
                pool_index += 1
            in_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cnn(x)
