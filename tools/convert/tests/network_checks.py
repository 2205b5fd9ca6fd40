"""What the detection and recognition network tests check alike: networks built once per
config, checkpoints saved and loaded through the converter's loader, batch norms, and ONNX
export through the converter's own exporter."""
import io
import os
import tempfile

import onnx
import torch

from ocrserve_convert.checkpoint import load_weights
from ocrserve_convert.deploy_config import parse_deploy_config
from ocrserve_convert.export import dynamic_axes, export_onnx

BATCH_NORM_FIELDS = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')


def cached_builder(registry: dict):
    """built(name): the config's network, built once with torch.manual_seed(0)."""
    models = {}

    def built(name):
        if name not in models:
            torch.manual_seed(0)
            models[name] = registry[name]['build']()
        return models[name]
    return built


def assert_round_trips_strictly(case, registry: dict, source: torch.nn.Module, name: str, sample: torch.Tensor):
    """A freshly built network takes `source`'s state dict strictly and then computes the same."""
    torch.manual_seed(1)
    target = registry[name]['build']()
    result = target.load_state_dict(source.state_dict(), strict=True)
    case.assertEqual((result.missing_keys, result.unexpected_keys), ([], []))
    with torch.no_grad():
        case.assertTrue(torch.equal(target(sample), source(sample)))


def assert_strict_load_names(case, model: torch.nn.Module, key: str, renamed: str) -> None:
    """Loading a state dict with `key` renamed to `renamed` is refused, naming both."""
    state = dict(model.state_dict())
    state[renamed] = state.pop(key)
    with case.assertRaises(RuntimeError) as caught:
        model.load_state_dict(state, strict=True)
    message = str(caught.exception)
    case.assertIn('Missing key(s)', message)
    case.assertIn(f'"{key}"', message)
    case.assertIn('Unexpected key(s)', message)
    case.assertIn(f'"{renamed}"', message)


def load_saved(model: torch.nn.Module, state: dict) -> None:
    """Saves `state` as an MMOCR checkpoint does and loads it with the converter's loader."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'checkpoint.pth')
        torch.save({'meta': {}, 'state_dict': state}, path)
        load_weights(model, path)


def assert_batch_norms_complete(case, state: dict) -> None:
    norms = {k[:-len('.running_var')] for k in state if k.endswith('.running_var')}
    case.assertTrue(norms)
    for norm in norms:
        for field in BATCH_NORM_FIELDS:
            case.assertIn(f'{norm}.{field}', state)


def export_dynamic(case, model: torch.nn.Module, sample: torch.Tensor, task: str) -> onnx.ModelProto:
    """The network exported as `ocrserve convert` exports it for {task}_onnxruntime_dynamic,
    checked by ONNX and for what every export shares: one input and one output named as
    mmdeploy names them, the default domain at opset 11."""
    output_rank = model(sample).dim()
    buffer = io.BytesIO()
    export_onnx(model, sample, buffer, dynamic_axes(parse_deploy_config(f'{task}_onnxruntime_dynamic'), output_rank))
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto)
    case.assertEqual([i.name for i in proto.graph.input], ['input'])
    case.assertEqual([o.name for o in proto.graph.output], ['output'])
    case.assertEqual({op.domain for op in proto.opset_import}, {''})
    case.assertEqual(proto.opset_import[0].version, 11)
    return proto


def dims(value_info) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]
