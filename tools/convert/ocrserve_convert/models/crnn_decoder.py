"""CRNN's head, MMOCR 1.x `CRNNDecoder`, and its recurrent layer `BidirectionalLSTM`.

With rnn_flag (the CRNN configs set it) the decoder is a sequential child `decoder` of two
bidirectional LSTM layers, each an `nn.LSTM` named `rnn` followed by a linear layer named
`embedding`: keys `decoder.decoder.0.rnn.weight_ih_l0_reverse`, `decoder.decoder.1.embedding.bias`,
... Without it, a 1x1 convolution named `decoder`.

forward(feat) is the test-mode forward: [N, C, 1, W] -> per-column class probabilities
[N, W, num_classes] (softmax over the last axis), which is what mmdeploy exports (its rewrites
of CRNNDecoder and BidirectionalLSTM concern the ncnn backend only).
"""
import torch
from torch import nn


class BidirectionalLSTM(nn.Module):
    """A one-layer bidirectional LSTM over a [T, N, C] sequence, then a linear projection of each
    step's concatenated hidden states."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int):
        super().__init__()
        self.rnn = nn.LSTM(in_channels, hidden, bidirectional=True)
        self.embedding = nn.Linear(hidden * 2, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        recurrent, _ = self.rnn(x)
        return self.embedding(recurrent)


class CRNNDecoder(nn.Module):

    def __init__(self, in_channels: int, num_classes: int, rnn_flag: bool = False):
        super().__init__()
        self.rnn_flag = rnn_flag
        self.num_classes = num_classes
        if rnn_flag:
            self.decoder = nn.Sequential(BidirectionalLSTM(in_channels, 256, 256),
                                         BidirectionalLSTM(256, 256, num_classes))
        else:
            self.decoder = nn.Conv2d(in_channels, num_classes, kernel_size=1, stride=1)

    def logits(self, feat: torch.Tensor) -> torch.Tensor:
        """The raw scores [N, W, num_classes] (MMOCR's forward_train)."""
        if not torch.jit.is_tracing() and feat.size(2) != 1:
            raise ValueError(f'CRNNDecoder needs a feature map of height 1, got {tuple(feat.shape)}')
        if self.rnn_flag:
            sequence = feat.squeeze(2).permute(2, 0, 1)  # [W, N, C]
            return self.decoder(sequence).permute(1, 0, 2)
        scores = self.decoder(feat)  # [N, classes, 1, W]
        return scores.squeeze(2).permute(0, 2, 1)

    def forward(self, feat: torch.Tensor, out_enc=None) -> torch.Tensor:
        return torch.softmax(self.logits(feat), dim=-1)
