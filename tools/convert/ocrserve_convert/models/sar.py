"""SAR's encoder and parallel decoder: MMOCR 1.x `SAREncoder` and `ParallelSARDecoder`.

Parameter names (MMOCR's): encoder `rnn_encoder` (a 2-layer LSTM, batch first) and `linear`;
decoder `conv1x1_1` and `conv1x1_2` (linear layers despite their names), `conv3x3_1` (a 3x3
convolution of the feature map), `rnn_decoder` (a 2-layer LSTM, batch first), `embedding`
(num_classes rows, the padding row is the embedding's padding_idx) and `prediction` (a linear
layer over all num_classes classes: in MMOCR 1.x the padding class is predicted too, unlike 0.x
which predicted num_classes - 1).

Test-mode forward, as mmdeploy exports it (its default-backend rewrites of
SAREncoder.forward and ParallelSARDecoder._2d_attention change how the valid-ratio mask is
computed, not the arithmetic):

* encoder: max over the feature height, LSTM along the width, the hidden state of the last valid
  column through `linear` -> the holistic feature [N, 512];
* decoder: a sequence [holistic, start, start, ...] of max_seq_len + 1 embeddings is run through
  `rnn_decoder`; output i attends over the feature map (additive attention: tanh(key + query)
  reduced to one logit per position, softmax over all positions) and `prediction` reads
  [rnn output, attended feature, holistic feature] (pred_concat). Step i = 1..max_seq_len takes
  output i, and the embedding of its arg-max replaces input i + 1. The logits of all steps are
  soft-maxed: [N, max_seq_len, num_classes].

Valid ratio. MMOCR masks the attention to columns < ceil(w * valid_ratio) and takes the encoder
state at that column; mmdeploy 1.x traces its export with the data sample of the image given to
tools/deploy.py, so the ratio of that one image is baked into the graph (and, for the encoder,
only sample 0 of a batch is read). `valid_ratio=None` (the default) does no masking and reads the
last column: that is MMOCR with valid ratio 1, and mmdeploy's export from any image at least
160 px wide after rescaling to height 48. A float bakes that ratio in for every sample.

Our forward decodes incrementally (LSTM state carried from step to step, attention for the one
new position) instead of re-running all max_seq_len + 1 positions at every step: with a
unidirectional decoder LSTM the two are the same computation; `forward_full_sequence` is the
literal MMOCR loop and the tests compare them.
"""
import math
from typing import Optional

import torch
from torch import nn


def _valid_width(width: torch.Tensor, valid_ratio: Optional[float]) -> Optional[int]:
    """The number of valid columns of a feature `width` wide (a size, read only when a ratio is
    set: it becomes a constant of a traced graph), or None when all are valid."""
    if valid_ratio is None:
        return None
    width = int(width)
    valid = min(width, math.ceil(width * valid_ratio))
    return None if valid >= width else valid


class SAREncoder(nn.Module):

    def __init__(self, enc_bi_rnn: bool = False, rnn_dropout: float = 0.0, enc_gru: bool = False,
                 d_model: int = 512, d_enc: int = 512, mask: bool = True, valid_ratio: Optional[float] = None):
        super().__init__()
        self.mask = mask
        self.valid_ratio = valid_ratio
        rnn = nn.GRU if enc_gru else nn.LSTM
        self.rnn_encoder = rnn(input_size=d_model, hidden_size=d_enc, num_layers=2, batch_first=True,
                               dropout=rnn_dropout, bidirectional=enc_bi_rnn)
        out_size = d_enc * (int(enc_bi_rnn) + 1)
        self.linear = nn.Linear(out_size, out_size)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        columns = torch.amax(feat, dim=2).permute(0, 2, 1)  # [N, W, C]
        states = self.rnn_encoder(columns)[0]  # [N, W, d_enc]
        valid = _valid_width(states.size(1), self.valid_ratio if self.mask else None)
        last = states[:, -1, :] if valid is None else states[:, valid - 1, :]
        return self.linear(last)


class ParallelSARDecoder(nn.Module):

    def __init__(self, num_classes: int, start_idx: int, padding_idx: Optional[int], enc_bi_rnn: bool = False,
                 dec_bi_rnn: bool = False, dec_rnn_dropout: float = 0.0, dec_gru: bool = False,
                 d_model: int = 512, d_enc: int = 512, d_k: int = 64, pred_dropout: float = 0.0,
                 max_seq_len: int = 30, mask: bool = True, pred_concat: bool = False,
                 valid_ratio: Optional[float] = None):
        super().__init__()
        self.num_classes = num_classes
        self.start_idx = start_idx
        self.max_seq_len = max_seq_len
        self.mask = mask
        self.pred_concat = pred_concat
        self.dec_bi_rnn = dec_bi_rnn
        self.valid_ratio = valid_ratio

        enc_out = d_enc * (int(enc_bi_rnn) + 1)
        dec_out = enc_out * (int(dec_bi_rnn) + 1)
        self.conv1x1_1 = nn.Linear(dec_out, d_k)
        self.conv3x3_1 = nn.Conv2d(d_model, d_k, kernel_size=3, stride=1, padding=1)
        self.conv1x1_2 = nn.Linear(d_k, 1)
        rnn = nn.GRU if dec_gru else nn.LSTM
        self.rnn_decoder = rnn(input_size=enc_out, hidden_size=enc_out, num_layers=2, batch_first=True,
                               dropout=dec_rnn_dropout, bidirectional=dec_bi_rnn)
        self.embedding = nn.Embedding(num_classes, enc_out, padding_idx=padding_idx)
        self.pred_dropout = nn.Dropout(pred_dropout)
        fc_in = dec_out + d_model + enc_out if pred_concat else d_model
        self.prediction = nn.Linear(fc_in, num_classes)

    def _attend(self, y: torch.Tensor, feat: torch.Tensor, attn_key: torch.Tensor,
                holistic: torch.Tensor) -> torch.Tensor:
        """Class logits [N, L, num_classes] for decoder RNN outputs y [N, L, dec_out]."""
        query = self.conv1x1_1(y)  # [N, L, d_k]
        energy = torch.tanh(attn_key.unsqueeze(1) + query.unsqueeze(-1).unsqueeze(-1))  # [N, L, d_k, h, w]
        logits = self.conv1x1_2(energy.permute(0, 1, 3, 4, 2)).squeeze(-1)  # [N, L, h, w]
        valid = _valid_width(feat.size(3), self.valid_ratio if self.mask else None)
        if valid is not None:
            logits = logits.masked_fill(torch.arange(feat.size(3), device=feat.device) >= valid, float('-inf'))
        weights = torch.softmax(logits.flatten(2), dim=-1)  # [N, L, h*w]
        glimpse = torch.matmul(weights, feat.flatten(2).transpose(1, 2))  # [N, L, C]
        if self.pred_concat:
            holistic = holistic.unsqueeze(1).expand(-1, y.size(1), -1)
            out = self.prediction(torch.cat((y, glimpse, holistic), dim=2))
        else:
            out = self.prediction(glimpse)
        return self.pred_dropout(out)

    def _start_embedding(self, holistic: torch.Tensor) -> torch.Tensor:
        start = torch.full_like(holistic[:, 0], self.start_idx, dtype=torch.long)
        return self.embedding(start)  # [N, E]

    def forward(self, feat: torch.Tensor, out_enc: torch.Tensor) -> torch.Tensor:
        if self.dec_bi_rnn:
            return self.forward_full_sequence(feat, out_enc)
        attn_key = self.conv3x3_1(feat)
        state = None
        # Position 0 holds the holistic feature; its output is never read, only its state.
        _, state = self.rnn_decoder(out_enc.unsqueeze(1), state)
        step_input = self._start_embedding(out_enc)
        outputs = []
        for _ in range(self.max_seq_len):
            y, state = self.rnn_decoder(step_input.unsqueeze(1), state)
            logits = self._attend(y, feat, attn_key, out_enc)[:, 0]  # [N, num_classes]
            outputs.append(logits)
            step_input = self.embedding(torch.argmax(logits, dim=1))
        return torch.softmax(torch.stack(outputs, dim=1), dim=-1)

    def forward_full_sequence(self, feat: torch.Tensor, out_enc: torch.Tensor) -> torch.Tensor:
        """MMOCR's loop as written: every step re-runs all max_seq_len + 1 positions."""
        attn_key = self.conv3x3_1(feat)
        start = self._start_embedding(out_enc).unsqueeze(1)
        inputs = [out_enc.unsqueeze(1)] + [start] * self.max_seq_len
        outputs = []
        for i in range(1, self.max_seq_len + 1):
            y = self.rnn_decoder(torch.cat(inputs, dim=1))[0]
            logits = self._attend(y, feat, attn_key, out_enc)[:, i]
            outputs.append(logits)
            if i < self.max_seq_len:
                inputs[i + 1] = self.embedding(torch.argmax(logits, dim=1)).unsqueeze(1)
        return torch.softmax(torch.stack(outputs, dim=1), dim=-1)
