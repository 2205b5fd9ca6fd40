"""SATRN's encoder, MMOCR 1.x `SATRNEncoder`, and its layers (mmocr/models/textrecog/layers/
satrn_layers.py).

Parameter names:
* `position_enc` (Adaptive2DPositionalEncoding): buffers `h_position_encoder` [1, d, n, 1] and
  `w_position_encoder` [1, d, 1, n] (sinusoid tables, persistent, so in checkpoints) and two
  gates `h_scale` / `w_scale`, each Sequential(1x1 conv, ReLU, 1x1 conv, sigmoid) (keys .0 and .2);
* `layer_stack.{i}` (SATRNEncoderLayer): `norm1`, `attn` (MultiHeadAttention), `norm2`,
  `feed_forward` (LocalityAwareFeedforward: mmcv ConvModules `conv1` 1x1, `depthwise_conv` 3x3
  depthwise, `conv2` 1x1; no biases, batch norm `bn`, ReLU);
* `layer_norm`.

forward(feat [N, d, h, w]) -> [N, h*w, d]: feature + gated height and width encodings (gates from
the globally average-pooled feature), then pre-norm attention layers whose feed-forward part works
on the 2-d map, then a final LayerNorm. MMOCR masks attention to keys in columns
< ceil(w * valid_ratio); mmdeploy's rewrite fixes valid_ratio to 1, so no key is masked and we
pass no mask.
"""
import torch
from torch import nn

from .transformer_layers import MultiHeadAttention, sinusoid_table


class ConvBNReLU(nn.Module):
    """mmcv ConvModule with a bias-free convolution `conv`, BatchNorm2d `bn` and ReLU (groups
    allowed, which our shared ConvModule does not take)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0, groups: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.activate = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activate(self.bn(self.conv(x)))


class LocalityAwareFeedforward(nn.Module):

    def __init__(self, d_in: int, d_hid: int):
        super().__init__()
        self.conv1 = ConvBNReLU(d_in, d_hid, 1)
        self.depthwise_conv = ConvBNReLU(d_hid, d_hid, 3, padding=1, groups=d_hid)
        self.conv2 = ConvBNReLU(d_hid, d_in, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.depthwise_conv(self.conv1(x)))


def _gate(d_hid: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(d_hid, d_hid, kernel_size=1), nn.ReLU(inplace=True),
                         nn.Conv2d(d_hid, d_hid, kernel_size=1), nn.Sigmoid())


class Adaptive2DPositionalEncoding(nn.Module):

    def __init__(self, d_hid: int = 512, n_height: int = 100, n_width: int = 100, dropout: float = 0.1):
        super().__init__()
        self.register_buffer('h_position_encoder', sinusoid_table(n_height, d_hid).t().reshape(1, d_hid, n_height, 1))
        self.register_buffer('w_position_encoder', sinusoid_table(n_width, d_hid).t().reshape(1, d_hid, 1, n_width))
        self.h_scale = _gate(d_hid)
        self.w_scale = _gate(d_hid)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.pool(x)
        h_pos = self.h_scale(pooled) * self.h_position_encoder[:, :, :x.size(2), :]
        w_pos = self.w_scale(pooled) * self.w_position_encoder[:, :, :, :x.size(3)]
        return self.dropout(x + h_pos + w_pos)


class SATRNEncoderLayer(nn.Module):

    def __init__(self, d_model: int = 512, d_inner: int = 512, n_head: int = 8, d_k: int = 64, d_v: int = 64,
                 dropout: float = 0.1, qkv_bias: bool = False):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(n_head, d_model, d_k, d_v, qkv_bias=qkv_bias, dropout=dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.feed_forward = LocalityAwareFeedforward(d_model, d_inner)

    def forward(self, x: torch.Tensor, h: int, w: int, mask=None) -> torch.Tensor:
        n, hw, c = x.size()
        normed = self.norm1(x)
        x = x + self.attn(normed, normed, normed, mask)
        grid = self.norm2(x).transpose(1, 2).reshape(n, c, h, w)
        return x + self.feed_forward(grid).reshape(n, c, hw).transpose(1, 2)


class SATRNEncoder(nn.Module):

    def __init__(self, n_layers: int = 12, n_head: int = 8, d_k: int = 64, d_v: int = 64, d_model: int = 512,
                 n_position: int = 100, d_inner: int = 256, dropout: float = 0.1):
        super().__init__()
        self.d_model = d_model
        self.position_enc = Adaptive2DPositionalEncoding(d_hid=d_model, n_height=n_position, n_width=n_position,
                                                         dropout=dropout)
        self.layer_stack = nn.ModuleList([
            SATRNEncoderLayer(d_model, d_inner, n_head, d_k, d_v, dropout=dropout) for _ in range(n_layers)])
        self.layer_norm = nn.LayerNorm(d_model)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        feat = self.position_enc(feat)
        n, c, h, w = feat.size()
        output = feat.reshape(n, c, h * w).permute(0, 2, 1)
        for layer in self.layer_stack:
            output = layer(output, h, w)
        return self.layer_norm(output)
