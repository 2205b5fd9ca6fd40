"""Writing the network: ONNX (opset 11, as mmdeploy's onnx configs) and TorchScript."""
import torch

from .deploy_config import DeployConfig


def dynamic_axes(deploy: DeployConfig, output_rank: int) -> dict:
    """mmdeploy's dynamic axes: detectors vary in batch, height and width; recognisers in batch
    and width, their output in batch and sequence length."""
    if not deploy.dynamic:
        return {}
    if deploy.task == 'text-detection':
        spatial = {0: 'batch', 1: 'height', 2: 'width'} if output_rank == 3 else {0: 'batch', 2: 'height', 3: 'width'}
        return {'input': {0: 'batch', 2: 'height', 3: 'width'}, 'output': spatial}
    return {'input': {0: 'batch', 3: 'width'}, 'output': {0: 'batch', 1: 'seq_len'}}


def onnx_config(deploy: DeployConfig, axes: dict, sample: torch.Tensor) -> dict:
    """The onnx_config block of detail.json (mmdeploy's ir_config)."""
    config = {'type': 'onnx', 'export_params': True, 'keep_initializers_as_inputs': False,
              'opset_version': 11, 'save_file': 'end2end.onnx', 'input_names': ['input'],
              'output_names': ['output'],
              'input_shape': None if deploy.dynamic else [int(sample.shape[3]), int(sample.shape[2])],
              'optimize': True}
    if axes:
        config['dynamic_axes'] = axes
    return config


def export_onnx(model: torch.nn.Module, sample: torch.Tensor, path: str, axes: dict) -> None:
    with torch.no_grad():
        torch.onnx.export(model, sample, path, input_names=['input'], output_names=['output'],
                          opset_version=11, dynamic_axes=axes or None, do_constant_folding=True)


def export_torchscript(model: torch.nn.Module, sample: torch.Tensor, path: str) -> None:
    with torch.no_grad():
        traced = torch.jit.trace(model, sample, check_trace=False)
    traced.save(path)
