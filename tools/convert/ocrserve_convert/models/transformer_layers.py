"""Transformer building blocks with MMOCR 1.x parameter names (mmocr/models/common/modules/
transformer_module.py and mmocr/models/common/layers/transformer_layers.py).

* `MultiHeadAttention`: `linear_q`, `linear_k`, `linear_v`, `fc` (no biases unless qkv_bias);
  scaled dot-product attention, positions where the mask is 0 get -inf before the softmax.
  A mask of shape [N, Tk] masks keys for every query; [N, Tq, Tk] masks per query.
* `PositionwiseFeedForward`: `w_1`, activation, `w_2`.
* `PositionalEncoding`: the sinusoid table as a buffer `position_table` [1, n_position, d_hid]
  (a persistent buffer, so MMOCR checkpoints hold it).
* `TFDecoderLayer`: `norm1`, `self_attn`, `norm2`, `enc_attn`, `norm3`, `mlp` (GELU), pre-norm
  order (MMOCR's default: norm, self attention, norm, encoder-decoder attention, norm, ffn, each
  with a residual connection).

Dropout layers are kept where MMOCR has them (they hold no parameters and do nothing in eval mode).
"""
from typing import Optional, Tuple

import numpy as np
import torch
from torch import nn


def sinusoid_table(n_position: int, d_hid: int) -> torch.Tensor:
    """[n_position, d_hid]: sin at even, cos at odd columns, frequency 1 / 10000^(2*(j//2)/d_hid).
    The frequencies are computed in float64 and rounded to float32 as MMOCR does."""
    frequency = torch.tensor([1.0 / np.power(10000, 2 * (j // 2) / d_hid) for j in range(d_hid)],
                             dtype=torch.float32).view(1, -1)
    table = torch.arange(n_position).unsqueeze(-1).float() * frequency
    table[:, 0::2] = torch.sin(table[:, 0::2])
    table[:, 1::2] = torch.cos(table[:, 1::2])
    return table


class MultiHeadAttention(nn.Module):

    def __init__(self, n_head: int = 8, d_model: int = 512, d_k: int = 64, d_v: int = 64,
                 dropout: float = 0.1, qkv_bias: bool = False):
        super().__init__()
        self.n_head = n_head
        self.d_k = d_k
        self.d_v = d_v
        self.linear_q = nn.Linear(n_head * d_k, n_head * d_k, bias=qkv_bias)
        self.linear_k = nn.Linear(n_head * d_k, n_head * d_k, bias=qkv_bias)
        self.linear_v = nn.Linear(n_head * d_v, n_head * d_v, bias=qkv_bias)
        self.fc = nn.Linear(n_head * d_v, d_model, bias=qkv_bias)
        self.attn_drop = nn.Dropout(dropout)
        self.proj_drop = nn.Dropout(dropout)
        self.scale = d_k ** 0.5

    def _heads(self, x: torch.Tensor, dim: int) -> torch.Tensor:
        return x.view(x.size(0), x.size(1), self.n_head, dim).transpose(1, 2)  # [N, heads, T, dim]

    def project_key_value(self, k: torch.Tensor, v: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Keys and values split into heads, [N, heads, Tk, d]: what `forward` computes from k and v,
        for a caller that attends to the same memory many times."""
        return self._heads(self.linear_k(k), self.d_k), self._heads(self.linear_v(v), self.d_v)

    def project_memory(self, memory: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(keys transposed [N, heads, d_k, T], values [N, heads, T, d_v]) of memory [N, T, d],
        the form `one_query` takes."""
        key, value = self.project_key_value(memory, memory)
        return key.transpose(2, 3), value

    def one_query(self, query: torch.Tensor, key_t: torch.Tensor, value: torch.Tensor,
                  bias: Optional[torch.Tensor]) -> torch.Tensor:
        """Attention output [N, 1, d_model] of one query position (query [N, heads, 1, d_k], keys
        transposed [N, heads, d_k, T], values [N, heads, T, d_v], bias added to the scores)."""
        scores = torch.matmul(query / self.scale, key_t)
        if bias is not None:
            scores = scores + bias
        out = torch.matmul(self.attn_drop(torch.softmax(scores, dim=-1)), value)  # [N, heads, 1, d_v]
        return self.proj_drop(self.fc(out.transpose(1, 2).reshape(-1, 1, self.n_head * self.d_v)))

    def forward(self, q: torch.Tensor, k: Optional[torch.Tensor], v: Optional[torch.Tensor],
                mask: Optional[torch.Tensor] = None,
                key_value: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> torch.Tensor:
        query = self._heads(self.linear_q(q), self.d_k)
        key, value = key_value if key_value is not None else self.project_key_value(k, v)
        scores = torch.matmul(query / self.scale, key.transpose(2, 3))  # [N, heads, Tq, Tk]
        if mask is not None:
            mask = mask.unsqueeze(1) if mask.dim() == 3 else mask.unsqueeze(1).unsqueeze(1)
            scores = scores.masked_fill(mask == 0, float('-inf'))
        weights = self.attn_drop(torch.softmax(scores, dim=-1))
        out = torch.matmul(weights, value).transpose(1, 2)  # [N, Tq, heads, d_v]
        out = out.reshape(out.size(0), out.size(1), self.n_head * self.d_v)
        return self.proj_drop(self.fc(out))


class PositionwiseFeedForward(nn.Module):

    def __init__(self, d_in: int, d_hid: int, dropout: float = 0.1, activation: str = 'relu'):
        super().__init__()
        self.w_1 = nn.Linear(d_in, d_hid)
        self.w_2 = nn.Linear(d_hid, d_in)
        self.act = {'relu': nn.ReLU, 'gelu': nn.GELU}[activation]()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.w_2(self.act(self.w_1(x))))


class PositionalEncoding(nn.Module):
    """Adds the first T rows of the sinusoid table to x [N, T, d_hid]."""

    def __init__(self, d_hid: int = 512, n_position: int = 200):
        super().__init__()
        self.register_buffer('position_table', sinusoid_table(n_position, d_hid).unsqueeze(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.position_table[:, :x.size(1)]


class TFDecoderLayer(nn.Module):

    def __init__(self, d_model: int = 512, d_inner: int = 256, n_head: int = 8, d_k: int = 64, d_v: int = 64,
                 dropout: float = 0.1, qkv_bias: bool = False):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(n_head, d_model, d_k, d_v, dropout=dropout, qkv_bias=qkv_bias)
        self.enc_attn = MultiHeadAttention(n_head, d_model, d_k, d_v, dropout=dropout, qkv_bias=qkv_bias)
        self.mlp = PositionwiseFeedForward(d_model, d_inner, dropout=dropout, activation='gelu')

    def forward(self, dec_input: torch.Tensor, enc_output: Optional[torch.Tensor],
                self_attn_mask: Optional[torch.Tensor] = None,
                dec_enc_attn_mask: Optional[torch.Tensor] = None,
                enc_key_value: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> torch.Tensor:
        """enc_key_value: `enc_attn.project_key_value(enc_output, enc_output)`, if already computed."""
        normed = self.norm1(dec_input)
        x = dec_input + self.self_attn(normed, normed, normed, self_attn_mask)
        normed = self.norm2(x)
        x = x + self.enc_attn(normed, enc_output, enc_output, dec_enc_attn_mask, key_value=enc_key_value)
        return x + self.mlp(self.norm3(x))

    def step(self, x: torch.Tensor, past: Optional[Tuple[torch.Tensor, torch.Tensor]], attn_bias: torch.Tensor,
             enc_key_value: Tuple[torch.Tensor, torch.Tensor]):
        """`forward` for one new position x [N, 1, d], given the self-attention keys and values of
        the earlier positions: past = (keys transposed [N, heads, d_k, s], values [N, heads, s, d_v])
        or None. attn_bias [N, 1, 1, s + 1] is 0 for keys to attend and -inf for keys to ignore
        (adding it is masked_fill(-inf)); enc_key_value = (keys transposed [N, heads, d_k, T],
        values [N, heads, T, d_v]) of the encoder output, no mask. Returns the output [N, 1, d] and
        the keys and values including the new position. With a causal mask, position s of
        `forward` over s + 1 positions computes the same. Every reshape has constant sizes (the
        batch is -1), which keeps the unrolled ONNX graph small."""
        attn = self.self_attn
        normed = self.norm1(x)
        query = attn.linear_q(normed).reshape(-1, 1, attn.n_head, attn.d_k).transpose(1, 2)
        key = attn.linear_k(normed).reshape(-1, 1, attn.n_head, attn.d_k).permute(0, 2, 3, 1)
        value = attn.linear_v(normed).reshape(-1, 1, attn.n_head, attn.d_v).transpose(1, 2)
        if past is not None:
            key, value = torch.cat((past[0], key), dim=3), torch.cat((past[1], value), dim=2)
        x = x + attn.one_query(query, key, value, attn_bias)
        normed = self.norm2(x)
        enc = self.enc_attn
        query = enc.linear_q(normed).reshape(-1, 1, enc.n_head, enc.d_k).transpose(1, 2)
        x = x + enc.one_query(query, enc_key_value[0], enc_key_value[1], None)
        return x + self.mlp(self.norm3(x)), (key, value)
