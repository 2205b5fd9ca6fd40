"""The transformer decoder of NRTR and SATRN, MMOCR 1.x `NRTRDecoder`.

Parameter names: `trg_word_emb` (num_classes rows; padding_idx is the padding token),
`position_enc.position_table` (a persistent buffer [1, n_position, d_embedding]),
`layer_stack.{i}` (TFDecoderLayer), `layer_norm` (eps 1e-6) and `classifier` (d_model ->
num_classes: every class including padding is predicted).

Test-mode forward, greedy: the target sequence starts as [start, pad, pad, ...] of length
max_seq_len + 1; at step s the decoder runs over the sequence (self-attention masked to earlier
positions and to keys whose token is the padding token, no mask on the encoder output), the
classifier reads position s, and its arg-max becomes token s + 1. The logits of all steps are
soft-maxed: [N, max_seq_len, num_classes].

mmdeploy 1.x rewrites only `_get_source_mask` (the mask of encoder positions, from the valid
ratio of the export image); SATRN's test pipeline resizes without padding, so the ratio is 1 and
the mask covers everything, i.e. no mask.

Output s depends on positions <= s only (causal mask), and a layer's input at an earlier
position does not change when later tokens are added, so our forward decodes incrementally: at
step s only position s goes through the layers, attending to the cached self-attention keys and
values of positions < s, and the encoder output is projected to keys and values once per layer.
That is the same computation as MMOCR's loop, which re-runs all max_seq_len + 1 positions at every
step (`forward_full_sequence`, compared in the tests), at a tenth of the cost.
"""
from typing import List, Optional, Tuple

import torch
from torch import nn

from .transformer_layers import PositionalEncoding, TFDecoderLayer


class NRTRDecoder(nn.Module):

    def __init__(self, num_classes: int, start_idx: int, padding_idx: int, n_layers: int = 6,
                 d_embedding: int = 512, n_head: int = 8, d_k: int = 64, d_v: int = 64, d_model: int = 512,
                 d_inner: int = 256, n_position: int = 200, dropout: float = 0.1, max_seq_len: int = 30):
        super().__init__()
        self.num_classes = num_classes
        self.start_idx = start_idx
        self.padding_idx = padding_idx
        self.max_seq_len = max_seq_len
        self.trg_word_emb = nn.Embedding(num_classes, d_embedding, padding_idx=padding_idx)
        self.position_enc = PositionalEncoding(d_embedding, n_position=n_position)
        self.dropout = nn.Dropout(p=dropout)
        self.layer_stack = nn.ModuleList([
            TFDecoderLayer(d_model, d_inner, n_head, d_k, d_v, dropout=dropout) for _ in range(n_layers)])
        self.layer_norm = nn.LayerNorm(d_model, eps=1e-6)
        self.classifier = nn.Linear(d_model, num_classes)

    def _target_mask(self, tokens: torch.Tensor) -> torch.Tensor:
        """[N, T, T]: query i may attend to key j when j <= i and token j is not padding."""
        length = tokens.size(1)
        positions = torch.arange(length, device=tokens.device)
        causal = positions.unsqueeze(0) <= positions.unsqueeze(1)  # [T, T], [i, j] = j <= i
        not_padding = (tokens != self.padding_idx).unsqueeze(1)  # [N, 1, T]
        return causal.unsqueeze(0) & not_padding

    def _attention(self, tokens: torch.Tensor, src: torch.Tensor, src_mask: Optional[torch.Tensor] = None,
                   memory: Optional[List[Tuple[torch.Tensor, torch.Tensor]]] = None) -> torch.Tensor:
        """Decoder output [N, T, d_model] for tokens [N, T]; memory: per layer, the encoder output's
        keys and values (the same at every step, so computed once)."""
        x = self.dropout(self.position_enc(self.trg_word_emb(tokens)))
        mask = self._target_mask(tokens)
        for i, layer in enumerate(self.layer_stack):
            x = layer(x, src, self_attn_mask=mask, dec_enc_attn_mask=src_mask,
                      enc_key_value=None if memory is None else memory[i])
        return self.layer_norm(x)

    def _start_tokens(self, out_enc: torch.Tensor) -> torch.Tensor:
        return torch.full_like(out_enc[:, :1, 0], self.start_idx, dtype=torch.long)  # [N, 1]

    def forward(self, feat: Optional[torch.Tensor], out_enc: torch.Tensor) -> torch.Tensor:
        tokens = self._start_tokens(out_enc)  # [N, step + 1]
        memory = [layer.enc_attn.project_memory(out_enc) for layer in self.layer_stack]
        past = [None] * len(self.layer_stack)
        table = self.position_enc.position_table
        zeros = torch.zeros_like(tokens, dtype=out_enc.dtype).unsqueeze(1).unsqueeze(1)  # [N, 1, 1, 1]
        bias = []
        outputs = []
        for step in range(self.max_seq_len):
            token = tokens[:, step:]
            # Keys whose token is the padding token are ignored (MMOCR's target mask).
            bias.append(zeros.masked_fill((token == self.padding_idx).unsqueeze(1).unsqueeze(1), float('-inf')))
            attn_bias = torch.cat(bias, dim=3) if step else bias[0]
            x = self.dropout(self.trg_word_emb(token) + table[:, step:step + 1])
            for i, layer in enumerate(self.layer_stack):
                x, past[i] = layer.step(x, past[i], attn_bias, memory[i])
            logits = self.classifier(self.layer_norm(x)[:, 0])
            outputs.append(logits)
            tokens = torch.cat((tokens, torch.argmax(logits, dim=-1, keepdim=True)), dim=1)
        return torch.softmax(torch.stack(outputs, dim=1), dim=-1)

    def forward_full_sequence(self, feat: Optional[torch.Tensor], out_enc: torch.Tensor) -> torch.Tensor:
        """MMOCR's loop as written: every step runs all max_seq_len + 1 positions."""
        start = self._start_tokens(out_enc)
        columns = [start] + [torch.full_like(start, self.padding_idx)] * self.max_seq_len
        outputs = []
        for step in range(self.max_seq_len):
            logits = self.classifier(self._attention(torch.cat(columns, dim=1), out_enc)[:, step, :])
            outputs.append(logits)
            columns[step + 1] = torch.argmax(logits, dim=-1, keepdim=True)
        return torch.softmax(torch.stack(outputs, dim=1), dim=-1)
