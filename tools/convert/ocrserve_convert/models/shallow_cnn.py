"""SATRN's backbone, MMOCR 1.x `ShallowCNN`: two mmcv ConvModules (3x3, no bias, batch norm,
ReLU; children `conv`, `bn`) named `conv1` (hidden_dim / 2 channels) and `conv2` (hidden_dim),
each followed by a 2x2 max pooling: [N, C, H, W] -> [N, hidden_dim, H/4, W/4].
"""
import torch
from torch import nn

from .conv_module import ConvModule


class ShallowCNN(nn.Module):

    def __init__(self, input_channels: int = 1, hidden_dim: int = 512):
        super().__init__()
        self.conv1 = ConvModule(input_channels, hidden_dim // 2, 3, stride=1, padding=1, bias=False, norm=True)
        self.conv2 = ConvModule(hidden_dim // 2, hidden_dim, 3, stride=1, padding=1, bias=False, norm=True)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv2(self.pool(self.conv1(x))))
