"""Reference decoders for text recognition outputs, in plain Python / numpy.

    tokens, special = build_dictionary(dict_file_path, with_start=..., with_end=..., ...)
    text, char_scores, score = decode(name, tokens, special, ignore_chars, probs)

`probs` is one item of the exported network's output without the batch dimension: per-step class
probabilities [T, C] (the networks end in a softmax). They are written to be read and to
cross-check the C++ decoders, not to be fast. Semantics are MMOCR 1.x's
(mmocr/models/common/dictionary/dictionary.py, mmocr/models/textrecog/postprocessors/):

Dictionary. One character per line of the dict file (line ends '\\n' or '\\r\\n' stripped; a line
of more than one character is an error; empty lines are skipped, so a space is kept only as a
line holding one space); duplicates are an error. Special tokens are appended in this order:
'<BOS/EOS>' when with_start, with_end and same_start_end are all set, else '<BOS>' (with_start)
and '<EOS>' (with_end); then '<PAD>' (with_padding); then '<UKN>' (with_unknown, unless
unknown_token is None). `special` maps 'start', 'end', 'padding', 'unknown' to their indexes or
None. With the shared token, start and end are the same index.

ignore_chars (MMOCR's default ['padding']): each item is 'padding', 'end' or 'unknown' (the
special index, skipped if the dictionary has none) or a dictionary entry (a character, or a
special token's text such as '<PAD>'); an item that is not in the dictionary is skipped with a
warning, as MMOCR does. (A character missing from a dictionary that has an unknown token would
map to the unknown index; MMOCR skips that case too.)

CTC (`CTCPostProcessor`; `CTCConvertor` is mmdeploy's name for it): arg-max per step over the
first min(T, ceil(T * valid_ratio)) steps; a step is emitted when its index differs from the
previous step's index and is not ignored; the previous index starts as the padding index (the
CTC blank in MMOCR 1.x is the padding class). The char score is the arg-max probability.

Attention (`AttentionPostprocessor`; mmdeploy: `AttnConvertor`): arg-max per step; ignored indexes
are skipped first, then the end index stops decoding (so an ignored end index does not stop it),
the rest are emitted. valid_ratio is not used.

score: the mean of the char scores, 0 when no character is emitted (MMOCR leaves an empty list
to its caller). Arg-max ties go to the lowest index (numpy and torch.max agree).
"""
import math
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

SPECIAL_KEYS = ('start', 'end', 'padding', 'unknown')
CTC_NAMES = ('CTCPostProcessor', 'CTCConvertor')
ATTENTION_NAMES = ('AttentionPostprocessor', 'AttnConvertor')


class DecodeError(ValueError):
    pass


def read_dict_file(path: str) -> List[str]:
    """The characters of a dict file, in order (MMOCR's Dictionary rules, see the module doc)."""
    chars = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, start=1):
            line = line.strip('\r\n')
            if len(line) > 1:
                raise DecodeError(f'{path}: line {number} has {len(line)} characters, expected 0 or 1')
            if line != '':
                chars.append(line)
    return chars


def build_dictionary(dict_file_path: str, with_start: bool = False, with_end: bool = False,
                     same_start_end: bool = False, with_padding: bool = False, with_unknown: bool = False,
                     start_token: str = '<BOS>', end_token: str = '<EOS>', start_end_token: str = '<BOS/EOS>',
                     padding_token: str = '<PAD>', unknown_token: Optional[str] = '<UKN>',
                     **ignored) -> Tuple[List[str], Dict[str, Optional[int]]]:
    """(tokens, special) for a Dictionary config. Keys other than the flags and token texts (such
    as 'type' or 'dict_file' of a config dict) are accepted and ignored."""
    tokens = read_dict_file(dict_file_path)
    special = dict.fromkeys(SPECIAL_KEYS)
    if with_start and with_end and same_start_end:
        tokens.append(start_end_token)
        special['start'] = special['end'] = len(tokens) - 1
    else:
        if with_start:
            tokens.append(start_token)
            special['start'] = len(tokens) - 1
        if with_end:
            tokens.append(end_token)
            special['end'] = len(tokens) - 1
    if with_padding:
        tokens.append(padding_token)
        special['padding'] = len(tokens) - 1
    if with_unknown and unknown_token is not None:
        tokens.append(unknown_token)
        special['unknown'] = len(tokens) - 1
    if len(set(tokens)) != len(tokens):
        duplicates = sorted({t for t in tokens if tokens.count(t) > 1})
        raise DecodeError(f'{dict_file_path}: duplicated entries {duplicates}')
    return tokens, special


def ignore_indexes(tokens: Sequence[str], special: Dict[str, Optional[int]],
                   ignore_chars: Optional[Sequence[str]]) -> List[int]:
    """The indexes MMOCR's postprocessors skip for `ignore_chars` (None: ['padding'])."""
    if ignore_chars is None:
        ignore_chars = ['padding']
    if isinstance(ignore_chars, str) or not all(isinstance(c, str) for c in ignore_chars):
        raise DecodeError('ignore_chars must be a list of strings')
    lookup = {token: index for index, token in enumerate(tokens)}
    unknown = special.get('unknown')
    indexes = []
    for char in ignore_chars:
        if char in ('padding', 'end', 'unknown'):
            index = special.get(char)
        else:
            index = lookup.get(char, unknown)
        if index is None or (index == unknown and char != 'unknown'):
            warnings.warn(f'{char} does not exist in the dictionary', UserWarning)
            continue
        indexes.append(index)
    return indexes


def _check(tokens: Sequence[str], probs) -> np.ndarray:
    probs = np.asarray(probs)
    if probs.ndim == 3 and probs.shape[0] == 1:
        probs = probs[0]
    if probs.ndim != 2:
        raise DecodeError(f'expected probabilities [T, C], got shape {probs.shape}')
    if probs.shape[1] != len(tokens):
        raise DecodeError(f'the output has {probs.shape[1]} classes, the dictionary {len(tokens)}')
    if not np.all(np.isfinite(probs)):
        raise DecodeError('the output holds NaN or infinite values')
    return probs


def decode(convertor_or_postprocessor: str, dictionary_tokens: Sequence[str],
           special: Dict[str, Optional[int]], ignore_chars: Optional[Sequence[str]], probs,
           valid_ratio: float = 1.0) -> Tuple[str, List[float], float]:
    """(text, char_scores, score) for one image's output probs [T, C] (a leading unit axis is
    accepted). valid_ratio limits the CTC steps read (MMOCR's data sample valid_ratio)."""
    probs = _check(dictionary_tokens, probs)
    ignored = set(ignore_indexes(dictionary_tokens, special, ignore_chars))
    best = np.argmax(probs, axis=1)
    best_scores = probs[np.arange(len(best)), best]
    indexes, scores = [], []
    if convertor_or_postprocessor in CTC_NAMES:
        steps = len(best)
        length = min(steps, math.ceil(steps * valid_ratio))
        previous = special.get('padding')
        for t in range(length):
            index = int(best[t])
            if index != previous and index not in ignored:
                indexes.append(index)
                scores.append(float(best_scores[t]))
            previous = index
    elif convertor_or_postprocessor in ATTENTION_NAMES:
        end = special.get('end')
        for index, score in zip(best.tolist(), best_scores.tolist()):
            if index in ignored:
                continue
            if index == end:
                break
            indexes.append(index)
            scores.append(float(score))
    else:
        raise DecodeError(f'unknown postprocessor "{convertor_or_postprocessor}"; known: '
                          + ', '.join(CTC_NAMES + ATTENTION_NAMES))
    text = ''.join(dictionary_tokens[i] for i in indexes)
    score = float(np.mean(scores)) if scores else 0.0
    return text, scores, score
