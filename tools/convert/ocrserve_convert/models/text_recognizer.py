"""A text recogniser laid out as MMOCR's EncoderDecoderRecognizer (CRNN, SARNet and SATRN are that
class): submodules `backbone`, `encoder` (absent when the config has none, as for CRNN) and
`decoder`, so parameter names carry those prefixes exactly as in an MMOCR checkpoint's
`state_dict`. No recogniser here has a `preprocessor` (TPS and the like).

forward(inputs) is mmdeploy's exported forward (EncoderDecoderRecognizer.forward rewrite:
backbone, encoder, decoder in test mode, no postprocessing): normalised images [N, C, H, W] ->
per-step class probabilities [N, T, num_classes] (each row sums to 1).
"""
from typing import Optional

import torch
from torch import nn


class TextRecognizer(nn.Module):

    def __init__(self, backbone: nn.Module, encoder: Optional[nn.Module], decoder: nn.Module, model_type: str):
        super().__init__()
        self.backbone = backbone
        if encoder is not None:
            self.encoder = encoder
        self.decoder = decoder
        self.model_type = model_type

    @property
    def with_encoder(self) -> bool:
        return hasattr(self, 'encoder')

    @property
    def num_classes(self) -> int:
        return self.decoder.num_classes

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        feat = self.backbone(inputs)
        out_enc = self.encoder(feat) if self.with_encoder else None
        return self.decoder(feat, out_enc)
