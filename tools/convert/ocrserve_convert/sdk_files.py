"""deploy.json, pipeline.json and detail.json, laid out as mmdeploy 1.x writes them for MMOCR
(mmdeploy/backend/sdk/export_info.py and the mmocr task processors' get_preprocess /
get_postprocess), so that our packages and mmdeploy's are interchangeable."""
import copy
import json
import os
import shutil

from . import __name__ as _package
from .deploy_config import DeployConfig
from .model_zoo import DICTS_DIR

SDK_VERSION = '1.3.1'     # the mmdeploy release whose layout we write
MMOCR_VERSION = '1.0.1'   # the MMOCR release whose configs and parameter names we follow
DEFAULT_META_KEYS = ['filename', 'ori_filename', 'ori_shape', 'img_shape', 'pad_shape',
                     'scale_factor', 'flip', 'flip_direction', 'img_norm_cfg', 'valid_ratio']


def network_file(deploy: DeployConfig) -> str:
    return 'end2end.pt' if deploy.backend == 'torchscript' else 'end2end.onnx'


def _preprocess(entry: dict, deploy: DeployConfig) -> list:
    """The test pipeline as mmdeploy's get_preprocess rewrites it: annotation loading and random
    transforms dropped, Pack*Inputs turned into Collect, the data preprocessor's normalisation
    (and padding, for detectors) inserted before DefaultFormatBundle + Collect."""
    transforms = [copy.deepcopy(t) for t in entry['test_pipeline']
                  if 'Random' not in t['type'] and 'Annotation' not in t['type']]
    for transform in transforms:
        if transform['type'] in ('PackTextDetInputs', 'PackTextRecogInputs'):
            transform['type'] = 'Collect'
            transform['keys'] = ['img']
            transform['meta_keys'] = sorted(set(DEFAULT_META_KEYS) | set(transform.get('meta_keys', [])))
        if transform['type'] == 'Resize' and deploy.task == 'text-detection':
            transform['size'] = transform.pop('scale')
        transform.pop('file_client_args', None)
        transform.pop('backend_args', None)
    if deploy.static_shape is not None:
        # A static network takes exactly one input size: resize to it, as mmdeploy's
        # process_model_config does for a static input_shape.
        height, width = deploy.static_shape
        for i, transform in enumerate(transforms):
            if transform['type'] in ('Resize', 'RescaleToHeight', 'ShortScaleAspectJitter'):
                transforms[i] = {'type': 'Resize', 'scale': [width, height], 'keep_ratio': False}
            if transform['type'] == 'PadToWidth':
                transform['width'] = width
    pre = entry['data_preprocessor']
    normalize = {'type': 'Normalize', 'to_rgb': pre.get('bgr_to_rgb', False),
                 'mean': pre.get('mean', [0, 0, 0]), 'std': pre.get('std', [1, 1, 1])}
    transforms.insert(len(transforms) - 1, {'type': 'DefaultFormatBundle'})
    if deploy.task == 'text-detection':
        transforms.insert(len(transforms) - 2, {'type': 'Pad', 'size_divisor': pre.get('pad_size_divisor', 32)})
        transforms.insert(len(transforms) - 3, normalize)
    else:
        transforms.insert(len(transforms) - 2, normalize)
    return transforms


def _postprocess(entry: dict, deploy: DeployConfig) -> dict:
    task = {'type': 'Task', 'module': 'mmocr', 'name': 'postprocess'}
    if deploy.task == 'text-detection':
        # mmdeploy passes the det_head config with its type as the component.
        task.update(component=entry['head_type'], params={'postprocessor': copy.deepcopy(entry['postprocessor'])})
    else:
        params = {'type': 'Dictionary'}
        params.update(copy.deepcopy(entry['dictionary']))
        params['dict_file'] = 'dict_file.txt'
        task.update(component=entry['convertor'], params=params)
        if 'ignore_chars' in entry['postprocessor']:
            task['ignore_chars'] = entry['postprocessor']['ignore_chars']
    task.update(output=['post_output'], input=['prep_output', 'infer_output'])
    return task


def model_name(entry: dict) -> str:
    return entry['model_type'].lower()


def write_sdk_files(work_dir: str, entry: dict, deploy: DeployConfig, checkpoint: str,
                    onnx_config: dict) -> None:
    customs = []
    if deploy.task == 'text-recognition':
        shutil.copyfile(os.path.join(DICTS_DIR, entry['dictionary']['dict_file']),
                        os.path.join(work_dir, 'dict_file.txt'))
        customs.append('dict_file.txt')
    deploy_json = {
        'version': SDK_VERSION,
        'task': deploy.sdk_task,
        'models': [{'name': model_name(entry), 'net': network_file(deploy), 'weights': '',
                    'backend': deploy.backend, 'precision': 'FP32', 'batch_size': 1,
                    'dynamic_shape': deploy.dynamic}],
        'customs': customs,
    }
    pipeline_json = {'pipeline': {
        'input': ['img'],
        'output': ['post_output'],
        'tasks': [
            {'type': 'Task', 'module': 'Transform', 'name': 'Preprocess', 'input': ['img'],
             'output': ['prep_output'], 'transforms': _preprocess(entry, deploy)},
            {'name': model_name(entry), 'type': 'Task', 'module': 'Net',
             'is_batched': deploy.task == 'text-recognition' and deploy.dynamic,
             'input': ['prep_output'], 'output': ['infer_output'],
             'input_map': {'img': 'input'}, 'output_map': {}},
            _postprocess(entry, deploy),
        ]}}
    detail_json = {
        'version': SDK_VERSION,
        'codebase': {'task': deploy.codebase_task, 'codebase': 'mmocr', 'version': MMOCR_VERSION,
                     'pth': checkpoint, 'config': entry['name'] + '.py'},
        'codebase_config': {'type': 'mmocr', 'task': deploy.codebase_task},
        'onnx_config': onnx_config,
        'backend_config': {'type': deploy.backend},
        'calib_config': {},
        'converted_by': _package,
    }
    for name, content in (('deploy.json', deploy_json), ('pipeline.json', pipeline_json),
                          ('detail.json', detail_json)):
        with open(os.path.join(work_dir, name), 'w') as out:
            json.dump(content, out, indent=4)
            out.write('\n')
