"""Convolution + optional batch norm + optional activation, with mmcv ConvModule's child names.

Only the parts the detectors here use: a 2-d convolution named `conv`, a BatchNorm2d named
`bn` (mmcv names the norm layer by its abbreviation, "bn" for BN and SyncBN alike) and a
parameterless activation named `activate`. As in mmcv, the convolution has a bias by default
exactly when no norm layer follows it.
"""
from typing import Optional, Union

import torch
from torch import nn

_ACTIVATIONS = {'relu': nn.ReLU, 'sigmoid': nn.Sigmoid}


class ConvModule(nn.Module):

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, bias: Union[bool, str] = 'auto', norm: bool = False,
                 activation: Optional[str] = 'relu'):
        super().__init__()
        if bias == 'auto':
            bias = not norm
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                              bias=bool(bias))
        self.bn = nn.BatchNorm2d(out_channels) if norm else None
        if activation is not None and activation not in _ACTIVATIONS:
            raise ValueError(f'activation "{activation}" is not supported; supported: {", ".join(_ACTIVATIONS)}')
        self.activate = _ACTIVATIONS[activation]() if activation else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        if self.activate is not None:
            x = self.activate(x)
        return x
