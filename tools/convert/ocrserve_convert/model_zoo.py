"""The MMOCR configs we can build, by config name (the file name of an MMOCR 1.x config)."""
import os
from typing import Dict

DICTS_DIR = os.path.join(os.path.dirname(__file__), 'dicts')


class UnknownModelError(ValueError):
    pass


def all_models() -> Dict[str, dict]:
    from .models.textdet_zoo import TEXTDET_MODELS
    from .models.textrecog_zoo import TEXTRECOG_MODELS
    models = {}
    for name, entry in TEXTDET_MODELS.items():
        models[name] = dict(entry, task='text-detection')
    for name, entry in TEXTRECOG_MODELS.items():
        models[name] = dict(entry, task='text-recognition')
    return models


def config_name(spec: str) -> str:
    name = os.path.basename(spec)
    return name[:-3] if name.endswith('.py') else name


def find_model(spec: str) -> dict:
    """The zoo entry for an MMOCR config name or config file path (only its name is read)."""
    name = config_name(spec)
    models = all_models()
    if name not in models:
        raise UnknownModelError(
            f'{spec}: unknown model config "{name}"; known configs:\n  ' + '\n  '.join(sorted(models)))
    return dict(models[name], name=name)
