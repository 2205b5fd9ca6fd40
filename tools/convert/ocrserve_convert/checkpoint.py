"""Loading an MMOCR checkpoint (or seeded random weights) into one of our networks."""
import re

import torch


class CheckpointError(ValueError):
    pass


def random_seed(spec: str):
    """The seed of a "random" or "random:SEED" checkpoint spec, else None."""
    match = re.fullmatch(r'random(?::(\d+))?', spec)
    if not match:
        return None
    return int(match.group(1) or 0)


def _listing(keys, limit=20):
    keys = sorted(keys)
    shown = ', '.join(keys[:limit])
    return shown + (f' … ({len(keys) - limit} more)' if len(keys) > limit else '')


def load_weights(model: torch.nn.Module, path: str) -> None:
    """Loads `path` with strict key checking; the error lists what does not match."""
    try:
        checkpoint = torch.load(path, map_location='cpu')
    except FileNotFoundError:
        raise CheckpointError(f'{path}: checkpoint not found')
    except Exception as error:  # a truncated or foreign file: torch raises many kinds
        raise CheckpointError(f'{path}: not a PyTorch checkpoint ({error})')
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise CheckpointError(f'{path}: holds no state_dict')
    # Parameters of data_preprocessor and losses are not part of the deployed network.
    state = {k: v for k, v in state.items() if not k.startswith('data_preprocessor.')}
    expected = model.state_dict()
    missing = set(expected) - set(state)
    unexpected = set(state) - set(expected)
    mismatched = [f'{k} {tuple(state[k].shape)} vs {tuple(expected[k].shape)}'
                  for k in set(state) & set(expected) if state[k].shape != expected[k].shape]
    if missing or unexpected or mismatched:
        lines = [f'{path}: checkpoint does not match the network']
        if missing:
            lines.append(f'  missing keys ({len(missing)}): {_listing(missing)}')
        if unexpected:
            lines.append(f'  unexpected keys ({len(unexpected)}): {_listing(unexpected)}')
        if mismatched:
            lines.append(f'  shape mismatches ({len(mismatched)}, checkpoint vs network): {_listing(mismatched)}')
        raise CheckpointError('\n'.join(lines))
    model.load_state_dict(state, strict=True)


def randomize(model: torch.nn.Module, seed: int) -> None:
    """Seeded random weights, with normalisation statistics that are not the identity, so that
    conversion and parity tests exercise every parameter."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if name.endswith('running_var'):
                tensor.copy_(torch.rand(tensor.shape, generator=generator) * 0.5 + 0.75)
            elif name.endswith('running_mean'):
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.1)
            elif tensor.dim() > 1:
                fan_in = tensor[0].numel()
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * (1.0 / fan_in) ** 0.5)
            else:
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.1 + (1.0 if name.endswith('weight') else 0.0))
