"""python3 -m ocrserve_convert: mmdeploy's tools/deploy.py for MMOCR models, without mmdeploy.

    python3 -m ocrserve_convert DEPLOY_CFG MODEL_CFG CHECKPOINT IMG --work-dir DIR [--show] [--dump-info]

CHECKPOINT is an MMOCR .pth file, or "random[:SEED]" for seeded random weights (to try the
pipeline, and for parity tests). Exit status: 0 converted, 2 a bad argument or input (unknown
config, mismatching checkpoint, unreadable image), 4 PyTorch, ONNX or OpenCV missing, 1 the
export itself failed.
"""
import argparse
import json
import os
import re
import sys
import time
import warnings

# PyTorch takes seconds to import: only what checks the arguments is imported up front, so that
# a bad argument is refused at once; the rest is imported once the arguments are known good.
from .deploy_config import DeployConfigError, parse_deploy_config
from .model_zoo import UnknownModelError, all_models, find_model


# The exit status that tells `ocrserve convert` to explain how to install PyTorch, ONNX, OpenCV.
MISSING_DEPENDENCIES = 4


class ArgumentError(ValueError):
    """A checkpoint or image argument that names no file."""


class Steps:
    """What the conversion is doing, on stderr when it is a terminal: "[2/5] exporting …"."""

    def __init__(self, total):
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.shown = sys.stderr.isatty()

    def next(self, what):
        self.done += 1
        if self.shown:
            elapsed = time.monotonic() - self.start
            print(f'\r\033[K[{self.done}/{self.total}] {what} ({elapsed:.0f} s)', end='', file=sys.stderr, flush=True)

    def finish(self):
        if self.shown:
            print(f'\r\033[K', end='', file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='ocrserve convert',
        description='Convert an MMOCR model to an mmdeploy SDK model directory '
                    '(end2end.onnx or end2end.pt, deploy.json, pipeline.json, detail.json).')
    parser.add_argument('deploy_cfg', nargs='?', help='deploy config name or file, e.g. text-detection_onnxruntime_dynamic')
    parser.add_argument('model_cfg', nargs='?', help='MMOCR config name or file, e.g. dbnet_resnet18_fpnc_1200e_icdar2015')
    parser.add_argument('checkpoint', nargs='?', help='MMOCR checkpoint (.pth), or random[:SEED]')
    parser.add_argument('img', nargs='?', help='image used to trace the network (and for --show)')
    parser.add_argument('--work-dir', default=os.getcwd(), help='output directory (default: the current one)')
    parser.add_argument('--device', default='cpu', help='only cpu is supported')
    parser.add_argument('--dump-info', action='store_true', help='write the SDK files deploy.json, pipeline.json, detail.json')
    parser.add_argument('--show', action='store_true', help='write output_pytorch.jpg: PyTorch result on IMG')
    parser.add_argument('--list', action='store_true', help='list the model configs this converter knows and exit')
    return parser


def _list_models() -> int:
    for name, entry in sorted(all_models().items()):
        print(f'{name}\t{entry["task"]}\t{entry["model_type"]}')
    return 0


def check_arguments(args):
    """Everything that can be checked without PyTorch: the configs, the device, the files."""
    deploy = parse_deploy_config(args.deploy_cfg)
    entry = find_model(args.model_cfg)
    if entry['task'] != deploy.task:
        raise DeployConfigError(f'{args.deploy_cfg} is a {deploy.task} config but {entry["name"]} is a {entry["task"]} model')
    if args.device != 'cpu':
        raise DeployConfigError(f'--device {args.device}: only cpu is supported here')
    if not re.fullmatch(r'random(?::\d+)?', args.checkpoint) and not os.path.isfile(args.checkpoint):
        raise ArgumentError(f'{args.checkpoint}: no such checkpoint file (give an MMOCR .pth, or random[:SEED])')
    if not os.path.isfile(args.img):
        raise ArgumentError(f'{args.img}: no such image file')
    return deploy, entry


def convert(args, deploy, entry, steps) -> dict:
    import torch

    from . import sdk_files
    from .checkpoint import load_weights, random_seed, randomize
    from .export import dynamic_axes, export_onnx, export_torchscript, onnx_config
    from .preprocess import run_pipeline

    steps.next('building the network')
    model = entry['build']().eval()
    seed = random_seed(args.checkpoint)
    if seed is not None:
        randomize(model, seed)
    else:
        load_weights(model, args.checkpoint)

    os.makedirs(args.work_dir, exist_ok=True)
    steps.next('running it on the image')
    transforms = sdk_files._preprocess(entry, deploy)
    sample, scale, original = run_pipeline(transforms, args.img)
    if not deploy.dynamic and deploy.static_shape is None:
        # A static config without a shape fixes the sample's shape (mmdeploy does the same).
        deploy.static_shape = (int(sample.shape[2]), int(sample.shape[3]))
        sample, scale, original = run_pipeline(sdk_files._preprocess(entry, deploy), args.img)
    with torch.no_grad():
        output = model(sample)
    axes = dynamic_axes(deploy, output.dim())
    steps.next(f'exporting to {deploy.backend}')
    if deploy.backend == 'onnxruntime':
        export_onnx(model, sample, os.path.join(args.work_dir, 'end2end.onnx'), axes)
    else:
        export_torchscript(model, sample, os.path.join(args.work_dir, 'end2end.pt'))
    if args.dump_info or args.show:
        steps.next('writing the SDK files and the picture')
    if args.dump_info:
        checkpoint = '' if seed is not None else os.path.abspath(args.checkpoint)
        config_file = args.model_cfg if args.model_cfg.endswith('.py') else None
        sdk_files.write_sdk_files(args.work_dir, entry, deploy, checkpoint, onnx_config(deploy, axes, sample),
                                  config_file)
    if args.show:
        from .show import show_pytorch_result
        show_pytorch_result(entry, deploy, output[0].numpy(), scale, original, args.img,
                            os.path.join(args.work_dir, 'output_pytorch.jpg'))
    return {'work_dir': os.path.abspath(args.work_dir), 'model': entry['name'], 'deploy_config': deploy.name,
            'input_shape': list(sample.shape), 'output_shape': list(output.shape)}


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        return _list_models()
    if not all((args.deploy_cfg, args.model_cfg, args.checkpoint, args.img)):
        parser.print_usage(sys.stderr)
        print('ocrserve convert: DEPLOY_CFG, MODEL_CFG, CHECKPOINT and IMG are required', file=sys.stderr)
        return 2
    try:
        deploy, entry = check_arguments(args)
    except (ArgumentError, DeployConfigError, UnknownModelError) as error:
        print(f'ocrserve convert: {error}', file=sys.stderr)
        return 2
    steps = Steps(5 if args.dump_info or args.show else 4)
    steps.next('loading PyTorch')
    try:
        import cv2  # noqa: F401
        import onnx  # noqa: F401
        import torch
    except ImportError as error:
        steps.finish()
        print(f'ocrserve convert: {error}', file=sys.stderr)
        return MISSING_DEPENDENCIES

    from .checkpoint import CheckpointError
    from .preprocess import PreprocessError

    # The exporter's advice (LSTM batch sizes, tracer notes) concerns networks in general;
    # for these fixed architectures it is noise.
    warnings.filterwarnings('ignore', category=UserWarning, module=r'torch(\.|$)')
    warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
    try:
        summary = convert(args, deploy, entry, steps)
    except (DeployConfigError, UnknownModelError, CheckpointError, PreprocessError) as error:
        steps.finish()
        print(f'ocrserve convert: {error}', file=sys.stderr)
        return 2
    except Exception as error:  # the exporter's own failures: report, do not dump a traceback
        steps.finish()
        print(f'ocrserve convert: export failed: {type(error).__name__}: {error}', file=sys.stderr)
        return 1
    steps.finish()
    print(json.dumps(summary))
    return 0
