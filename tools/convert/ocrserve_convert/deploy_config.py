"""Deploy configurations, named as mmdeploy names its files:

    {task}_{backend}[-{precision}]_{static|dynamic}[_{shape}]

e.g. text-detection_onnxruntime_dynamic, text-recognition_onnxruntime_static_32x128,
text-detection_torchscript. A path is accepted too: only its file name (without .py) is read,
so mmdeploy's own config files select the same settings.
"""
import os
import re
from dataclasses import dataclass
from typing import Optional, Tuple

TASKS = {'text-detection': 'TextDetection', 'text-recognition': 'TextRecognition'}
BACKENDS = ('onnxruntime', 'torchscript')


class DeployConfigError(ValueError):
    pass


@dataclass
class DeployConfig:
    name: str
    task: str                      # 'text-detection' | 'text-recognition'
    backend: str                   # 'onnxruntime' | 'torchscript'
    dynamic: bool
    # Static: (height, width) of the input, or None to take it from the sample image.
    # Dynamic: the shape range's (min, max) as ((h, w), (h, w)), or None for unbounded.
    static_shape: Optional[Tuple[int, int]] = None
    shape_range: Optional[Tuple[Tuple[int, int], Tuple[int, int]]] = None
    # 'fp32', or 'int8' (onnxruntime): the network is exported in fp32 and `ocrserve convert`
    # then quantises the package, calibrated in its own runtime (docs/models.md).
    precision: str = 'fp32'

    @property
    def codebase_task(self) -> str:
        return TASKS[self.task]

    @property
    def sdk_task(self) -> str:
        return 'TextDetector' if self.task == 'text-detection' else 'TextRecognizer'


def _shape(text: str, name: str) -> Tuple[int, int]:
    # mmdeploy's recognition configs may lead with the channel count: 1x32x32.
    match = re.fullmatch(r'(?:\d+x)?(\d+)x(\d+)', text)
    if not match:
        raise DeployConfigError(f'{name}: shape "{text}" is not [CHANNELSx]HEIGHTxWIDTH')
    return int(match.group(1)), int(match.group(2))


def parse_deploy_config(spec: str) -> DeployConfig:
    name = os.path.basename(spec)
    if name.endswith('.py'):
        name = name[:-3]
    parts = name.split('_')
    if len(parts) < 2 or parts[0] not in TASKS:
        raise DeployConfigError(
            f'{spec}: a deploy config is named {{task}}_{{backend}}[-{{precision}}]_{{static|dynamic}}[_{{shape}}] '
            f'with task one of {", ".join(TASKS)}')
    task = parts[0]
    backend, _, precision = parts[1].partition('-')
    if backend not in BACKENDS:
        raise DeployConfigError(f'{spec}: backend "{backend}" is not supported; supported: {", ".join(BACKENDS)}')
    if precision not in ('', 'fp32', 'int8') or (precision == 'int8' and backend != 'onnxruntime'):
        raise DeployConfigError(f'{spec}: precision "{precision}" is not supported; fp32 (no suffix) is, and int8 '
                                f'with onnxruntime')
    # mmdeploy's torchscript configs carry no static/dynamic part: their networks are traced
    # with dynamic shapes.
    mode = parts[2] if len(parts) > 2 else ('dynamic' if backend == 'torchscript' else '')
    if mode.startswith('static') or mode.startswith('dynamic'):
        # mmdeploy writes the shape after "-" (dynamic-32x32-32x640) or after "_" (static_32x128).
        mode, _, inline = mode.partition('-')
        shape = inline or '_'.join(parts[3:])
    else:
        raise DeployConfigError(f'{spec}: expected "static" or "dynamic" after the backend, got "{mode}"')
    config = DeployConfig(name=name, task=task, backend=backend, dynamic=mode == 'dynamic',
                          precision=precision or 'fp32')
    if shape:
        shapes = [_shape(s, spec) for s in re.split(r'[-_]', shape)]
        if config.dynamic:
            if len(shapes) != 2:
                raise DeployConfigError(f'{spec}: a dynamic shape range is MINxMIN-MAXxMAX')
            config.shape_range = (shapes[0], shapes[1])
        else:
            if len(shapes) != 1:
                raise DeployConfigError(f'{spec}: a static shape is HEIGHTxWIDTH')
            config.static_shape = shapes[0]
    return config
